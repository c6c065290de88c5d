-- Notifications (issue 10 point 5): what a student or teacher is told in the app, stored from the
-- student.notifications and teacher.notifications queues, once per user and event key; a student's raised
-- hand on a running lab; and the marks that make the workers tell each event once (a class start's report,
-- an instance's expiry warning). Deployments that exist already are marked reported: they are not new starts.
-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('lab_ready', 'lab_expiring', 'class_started', 'hand_raised');

-- AlterTable
ALTER TABLE "lab_deployments" ADD COLUMN "start_reported_at" TIMESTAMP(3);
UPDATE "lab_deployments" SET "start_reported_at" = "created_at";

-- AlterTable
ALTER TABLE "lab_instances" ADD COLUMN "expiry_warned_for" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "link" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "read_at" TIMESTAMP(3),

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "raised_hands" (
    "id" UUID NOT NULL,
    "instance_id" UUID NOT NULL,
    "raised_by_id" UUID NOT NULL,
    "raised_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lowered_at" TIMESTAMP(3),
    "lowered_by_id" UUID,

    CONSTRAINT "raised_hands_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "notifications_user_id_created_at_idx" ON "notifications"("user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "notifications_user_id_key_key" ON "notifications"("user_id", "key");

-- CreateIndex
CREATE INDEX "raised_hands_instance_id_lowered_at_idx" ON "raised_hands"("instance_id", "lowered_at");

-- CreateIndex
CREATE INDEX "raised_hands_raised_by_id_idx" ON "raised_hands"("raised_by_id");

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "raised_hands" ADD CONSTRAINT "raised_hands_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "lab_instances"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "raised_hands" ADD CONSTRAINT "raised_hands_raised_by_id_fkey" FOREIGN KEY ("raised_by_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
