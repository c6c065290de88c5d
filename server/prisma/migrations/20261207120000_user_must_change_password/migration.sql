-- Admin password reset (issue 10 point 6): an admin gives a built-in account a generated password, shown
-- once, and the account must choose its own at its next sign-in before anything else answers it.
-- AlterTable
ALTER TABLE "users" ADD COLUMN "must_change_password" BOOLEAN NOT NULL DEFAULT false;
