-- CreateTable
CREATE TABLE "UsageBucket" (
    "bucket" INTEGER NOT NULL,
    "instanceId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "messages" INTEGER NOT NULL DEFAULT 0,
    "answers" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "stopped" INTEGER NOT NULL DEFAULT 0,
    "chats" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "costNanos" BIGINT NOT NULL DEFAULT 0,
    "ttftSumMs" INTEGER NOT NULL DEFAULT 0,
    "ttftCount" INTEGER NOT NULL DEFAULT 0,
    "genMs" INTEGER NOT NULL DEFAULT 0,
    "genTokens" INTEGER NOT NULL DEFAULT 0,
    "t0" INTEGER NOT NULL DEFAULT 0,
    "t1" INTEGER NOT NULL DEFAULT 0,
    "t2" INTEGER NOT NULL DEFAULT 0,
    "t3" INTEGER NOT NULL DEFAULT 0,
    "t4" INTEGER NOT NULL DEFAULT 0,
    "t5" INTEGER NOT NULL DEFAULT 0,
    "t6" INTEGER NOT NULL DEFAULT 0,
    "t7" INTEGER NOT NULL DEFAULT 0,
    "t8" INTEGER NOT NULL DEFAULT 0,
    "t9" INTEGER NOT NULL DEFAULT 0,
    "t10" INTEGER NOT NULL DEFAULT 0,
    "t11" INTEGER NOT NULL DEFAULT 0,
    "t12" INTEGER NOT NULL DEFAULT 0,
    "t13" INTEGER NOT NULL DEFAULT 0,
    "t14" INTEGER NOT NULL DEFAULT 0,
    "t15" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("bucket", "instanceId", "model")
);

-- CreateTable
CREATE TABLE "UsageUser" (
    "key" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "instanceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "UsageUserDay" (
    "day" INTEGER NOT NULL,
    "userKey" INTEGER NOT NULL,
    "maskLo" BIGINT NOT NULL DEFAULT 0,
    "maskHi" BIGINT NOT NULL DEFAULT 0,
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

-- CreateTable
CREATE TABLE "UsageUserModelDay" (
    "model" TEXT NOT NULL,
    "day" INTEGER NOT NULL,
    "userKey" INTEGER NOT NULL,
    "maskLo" BIGINT NOT NULL DEFAULT 0,
    "maskHi" BIGINT NOT NULL DEFAULT 0,
    "answers" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "costNanos" BIGINT NOT NULL DEFAULT 0,
    "ttftSumMs" INTEGER NOT NULL DEFAULT 0,
    "ttftCount" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("day", "model", "userKey")
);

-- CreateTable
CREATE TABLE "UsageModel" (
    "instanceId" TEXT NOT NULL,
    "model" TEXT NOT NULL,

    PRIMARY KEY ("instanceId", "model")
);

-- CreateIndex
CREATE UNIQUE INDEX "UsageUser_instanceId_userId_key" ON "UsageUser"("instanceId", "userId");

-- CreateIndex
CREATE INDEX "UsageUserDay_day_userKey_maskLo_maskHi_idx" ON "UsageUserDay"("day", "userKey", "maskLo", "maskHi");

-- CreateIndex
CREATE INDEX "Message_createdAt_idx" ON "Message"("createdAt");

-- CreateIndex
CREATE INDEX "Message_authorId_createdAt_idx" ON "Message"("authorId", "createdAt");

-- CreateIndex
CREATE INDEX "UsageRecord_instanceId_chatId_createdAt_id_idx" ON "UsageRecord"("instanceId", "chatId", "createdAt", "id");
