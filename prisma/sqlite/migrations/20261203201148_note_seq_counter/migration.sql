-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Note" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerId" TEXT NOT NULL,
    "title" TEXT NOT NULL DEFAULT 'Untitled',
    "preview" TEXT NOT NULL DEFAULT '',
    "workspaceRole" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" DATETIME,
    "lastSeq" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Note_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Note" ("createdAt", "deletedAt", "id", "ownerId", "preview", "title", "updatedAt", "workspaceRole") SELECT "createdAt", "deletedAt", "id", "ownerId", "preview", "title", "updatedAt", "workspaceRole" FROM "Note";
DROP TABLE "Note";
ALTER TABLE "new_Note" RENAME TO "Note";
CREATE INDEX "Note_ownerId_deletedAt_idx" ON "Note"("ownerId", "deletedAt");
CREATE INDEX "Note_workspaceRole_deletedAt_idx" ON "Note"("workspaceRole", "deletedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
