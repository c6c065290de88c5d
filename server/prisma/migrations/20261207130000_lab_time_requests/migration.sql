-- Requests for more time on a running lab: a student asks, a teacher of the course grants (extending the
-- instance's expires_at by a bounded amount) or declines. One pending request per instance at a time.
-- CreateEnum
CREATE TYPE "TimeRequestStatus" AS ENUM ('pending', 'granted', 'declined');

-- CreateTable
CREATE TABLE "lab_time_requests" (
    "id" UUID NOT NULL,
    "instance_id" UUID NOT NULL,
    "requested_by_id" UUID NOT NULL,
    "status" "TimeRequestStatus" NOT NULL DEFAULT 'pending',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_by_id" UUID,
    "decided_at" TIMESTAMP(3),
    "granted_minutes" INTEGER,

    CONSTRAINT "lab_time_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "lab_time_requests_instance_id_status_idx" ON "lab_time_requests"("instance_id", "status");

-- CreateIndex
CREATE INDEX "lab_time_requests_requested_by_id_idx" ON "lab_time_requests"("requested_by_id");

-- CreateIndex
CREATE INDEX "lab_time_requests_decided_by_id_idx" ON "lab_time_requests"("decided_by_id");

-- AddForeignKey
ALTER TABLE "lab_time_requests" ADD CONSTRAINT "lab_time_requests_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "lab_instances"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lab_time_requests" ADD CONSTRAINT "lab_time_requests_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lab_time_requests" ADD CONSTRAINT "lab_time_requests_decided_by_id_fkey" FOREIGN KEY ("decided_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
