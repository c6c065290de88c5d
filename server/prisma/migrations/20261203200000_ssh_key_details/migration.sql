-- SSH public keys say what they are (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa) and when the gateway's
-- SSH front door last let someone in with them. Rows from before take their type from their key line.
-- AlterTable
ALTER TABLE "ssh_public_keys" ADD COLUMN "key_type" TEXT;

UPDATE "ssh_public_keys" SET "key_type" = split_part("public_key", ' ', 1);

ALTER TABLE "ssh_public_keys" ALTER COLUMN "key_type" SET NOT NULL;

ALTER TABLE "ssh_public_keys" ADD COLUMN "last_used_at" TIMESTAMP(3);
