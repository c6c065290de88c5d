-- An archived volume's checksum and size, recorded when it is uploaded and checked before the volume is
-- freed, and again on download and restore. Instances archived before have neither.
-- AlterTable
ALTER TABLE "lab_instances" ADD COLUMN "archive_sha256" TEXT;

ALTER TABLE "lab_instances" ADD COLUMN "archive_size" BIGINT;
