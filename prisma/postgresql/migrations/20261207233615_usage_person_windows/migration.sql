-- AlterTable
ALTER TABLE "UsageUserDay" ADD COLUMN     "firstQuarter" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lastQuarter" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "UsageUserBlock" (
    "userKey" INTEGER NOT NULL,
    "block" INTEGER NOT NULL,
    "days" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "UsageUserBlock_pkey" PRIMARY KEY ("userKey","block")
);

-- CreateIndex
CREATE INDEX "UsageUserBlock_block_idx" ON "UsageUserBlock"("block");

-- CreateIndex
CREATE INDEX "UsageUserDay_day_firstQuarter_idx" ON "UsageUserDay"("day", "firstQuarter");

-- CreateIndex
CREATE INDEX "UsageUserDay_day_lastQuarter_idx" ON "UsageUserDay"("day", "lastQuarter");

-- Backfill from the per-day rows (written by hand).
WITH RECURSIVE "quarter"(q) AS (SELECT 0 UNION ALL SELECT q + 1 FROM "quarter" WHERE q < 95),
"bounds" AS (
    SELECT d."day", d."userKey", MIN(q) AS "first", MAX(q) AS "last"
    FROM "UsageUserDay" d JOIN "quarter" ON CASE WHEN q < 48 THEN (d."maskLo" >> q) & 1 ELSE (d."maskHi" >> (q - 48)) & 1 END = 1
    GROUP BY d."day", d."userKey"
)
UPDATE "UsageUserDay" SET "firstQuarter" = b."first", "lastQuarter" = b."last"
FROM "bounds" b WHERE b."day" = "UsageUserDay"."day" AND b."userKey" = "UsageUserDay"."userKey";

INSERT INTO "UsageUserBlock" ("userKey", "block", "days")
SELECT "userKey", "day" / 32, bit_or(CAST(1 AS BIGINT) << ("day" % 32)) FROM "UsageUserDay" GROUP BY "day" / 32, "userKey";
