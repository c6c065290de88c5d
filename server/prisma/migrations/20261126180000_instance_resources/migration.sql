-- What each lab instance reserves (its lab's container limits, summed), so quotas can cap CPU and memory.
-- AlterTable
ALTER TABLE "lab_instances" ADD COLUMN "cpu_millis" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "memory_mi" INTEGER NOT NULL DEFAULT 0;
