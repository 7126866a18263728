-- CreateTable
CREATE TABLE "UsageUserBlock" (
    "userKey" INTEGER NOT NULL,
    "block" INTEGER NOT NULL,
    "days" BIGINT NOT NULL DEFAULT 0,

    PRIMARY KEY ("userKey", "block")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_UsageUserDay" (
    "day" INTEGER NOT NULL,
    "userKey" INTEGER NOT NULL,
    "maskLo" BIGINT NOT NULL DEFAULT 0,
    "maskHi" BIGINT NOT NULL DEFAULT 0,
    "firstQuarter" INTEGER NOT NULL DEFAULT 0,
    "lastQuarter" INTEGER NOT NULL DEFAULT 0,
    "messages" INTEGER NOT NULL DEFAULT 0,
    "answers" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "costNanos" BIGINT NOT NULL DEFAULT 0,
    "ttftSumMs" INTEGER NOT NULL DEFAULT 0,
    "ttftCount" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("day", "userKey")
);
INSERT INTO "new_UsageUserDay" ("answers", "completionTokens", "costNanos", "day", "failed", "maskHi", "maskLo", "messages", "promptTokens", "ttftCount", "ttftSumMs", "userKey") SELECT "answers", "completionTokens", "costNanos", "day", "failed", "maskHi", "maskLo", "messages", "promptTokens", "ttftCount", "ttftSumMs", "userKey" FROM "UsageUserDay";
DROP TABLE "UsageUserDay";
ALTER TABLE "new_UsageUserDay" RENAME TO "UsageUserDay";
CREATE INDEX "UsageUserDay_day_userKey_maskLo_maskHi_idx" ON "UsageUserDay"("day", "userKey", "maskLo", "maskHi");
CREATE INDEX "UsageUserDay_day_firstQuarter_idx" ON "UsageUserDay"("day", "firstQuarter");
CREATE INDEX "UsageUserDay_day_lastQuarter_idx" ON "UsageUserDay"("day", "lastQuarter");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "UsageUserBlock_block_idx" ON "UsageUserBlock"("block");

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
SELECT "userKey", "day" / 32, SUM(1 << ("day" % 32)) FROM "UsageUserDay" GROUP BY "day" / 32, "userKey";
