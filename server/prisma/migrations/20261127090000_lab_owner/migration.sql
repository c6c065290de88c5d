-- Labs belong to their course, or without one to their author, and their names and version numbers are
-- per owner: before, one global series per name let any teacher add the "latest version" of another
-- course's lab. Existing rows keep their ids and version numbers; a series that mixed owners splits into
-- one series per owner (its numbers may then start above 1), which the new unique key allows.
-- AlterTable
ALTER TABLE "lab_configs" ADD COLUMN "owner" TEXT;

UPDATE "lab_configs"
SET "owner" = CASE WHEN "course_id" IS NOT NULL THEN 'course:' || "course_id"::text ELSE 'user:' || "created_by_id"::text END;

ALTER TABLE "lab_configs" ALTER COLUMN "owner" SET NOT NULL;

-- DropIndex
DROP INDEX "lab_configs_name_version_key";

-- CreateIndex
CREATE UNIQUE INDEX "lab_configs_owner_name_version_key" ON "lab_configs"("owner", "name", "version");
