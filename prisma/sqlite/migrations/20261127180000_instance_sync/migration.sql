-- AlterTable
ALTER TABLE "UsageRecord" ADD COLUMN "deletedAt" DATETIME;

-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "apiKey" TEXT NOT NULL,
    "scheduled" BOOLEAN NOT NULL DEFAULT true,
    "intervalMinutes" INTEGER NOT NULL DEFAULT 60,
    "concurrency" INTEGER NOT NULL DEFAULT 4,
    "requestsPerSecond" INTEGER NOT NULL DEFAULT 200,
    "version" TEXT,
    "nextSyncAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "instanceId" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "full" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "counts" TEXT NOT NULL DEFAULT '{}',
    "errors" TEXT NOT NULL DEFAULT '[]',
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "requests" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "SyncRun_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SyncLock" (
    "instanceId" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "heartbeatAt" BIGINT NOT NULL,
    "expiresAt" BIGINT NOT NULL,
    CONSTRAINT "SyncLock_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SyncWatermark" (
    "instanceId" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT '',
    "value" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("instanceId", "entity", "scope"),
    CONSTRAINT "SyncWatermark_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "InstanceUser" (
    "instanceId" TEXT NOT NULL,
    "remoteId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "lastActiveAt" DATETIME,
    "deletedAt" DATETIME,
    "syncedAt" DATETIME NOT NULL,

    PRIMARY KEY ("instanceId", "remoteId"),
    CONSTRAINT "InstanceUser_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "InstanceChat" (
    "instanceId" TEXT NOT NULL,
    "remoteId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "deletedAt" DATETIME,
    "syncedAt" DATETIME NOT NULL,

    PRIMARY KEY ("instanceId", "remoteId"),
    CONSTRAINT "InstanceChat_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "InstanceMessage" (
    "instanceId" TEXT NOT NULL,
    "remoteId" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "model" TEXT,
    "parentId" TEXT,
    "createdAt" DATETIME NOT NULL,
    "deletedAt" DATETIME,
    "syncedAt" DATETIME NOT NULL,

    PRIMARY KEY ("instanceId", "remoteId"),
    CONSTRAINT "InstanceMessage_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "InstanceItem" (
    "instanceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "remoteId" TEXT NOT NULL,
    "userId" TEXT,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME,
    "updatedAt" DATETIME,
    "meta" TEXT NOT NULL DEFAULT '{}',
    "hash" TEXT NOT NULL,
    "deletedAt" DATETIME,
    "syncedAt" DATETIME NOT NULL,

    PRIMARY KEY ("instanceId", "kind", "remoteId"),
    CONSTRAINT "InstanceItem_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Instance_name_key" ON "Instance"("name");

-- CreateIndex
CREATE INDEX "SyncRun_instanceId_startedAt_idx" ON "SyncRun"("instanceId", "startedAt");

-- CreateIndex
CREATE INDEX "SyncRun_status_idx" ON "SyncRun"("status");

-- CreateIndex
CREATE INDEX "InstanceChat_instanceId_userId_idx" ON "InstanceChat"("instanceId", "userId");

-- CreateIndex
CREATE INDEX "InstanceMessage_instanceId_chatId_idx" ON "InstanceMessage"("instanceId", "chatId");

-- CreateIndex
CREATE INDEX "InstanceMessage_instanceId_createdAt_idx" ON "InstanceMessage"("instanceId", "createdAt");

-- CreateIndex
CREATE INDEX "InstanceMessage_instanceId_userId_createdAt_idx" ON "InstanceMessage"("instanceId", "userId", "createdAt");

-- CreateIndex
CREATE INDEX "UsageRecord_instanceId_chatId_idx" ON "UsageRecord"("instanceId", "chatId");
