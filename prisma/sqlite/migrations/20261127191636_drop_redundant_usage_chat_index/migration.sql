-- DropIndex
DROP INDEX "UsageRecord_instanceId_chatId_idx";
