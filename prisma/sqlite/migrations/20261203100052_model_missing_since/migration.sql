-- AlterTable
ALTER TABLE "InstanceItem" ADD COLUMN "missingSince" DATETIME;
