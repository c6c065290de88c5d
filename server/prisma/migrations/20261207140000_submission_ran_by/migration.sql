-- Class progress (issue 10 point 4): a teacher runs the checks for a whole deployment, stored as submissions
-- beside the students' own "Check my work" runs; ran_by_id tells them apart (a student's attempts are the
-- runs they made), and the progress table reads a deployment's submissions by instance.
-- AlterTable
ALTER TABLE "submissions" ADD COLUMN "ran_by_id" UUID;

-- CreateIndex
CREATE INDEX "submissions_instance_id_idx" ON "submissions"("instance_id");
