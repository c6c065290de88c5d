-- One-time SSH passwords: a student without a key reveals one on the lab's page and logs in once with it,
-- within 30 minutes, into that instance only. Only the scrypt hash is stored.
-- CreateTable
CREATE TABLE "ssh_instance_passwords" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "instance_id" UUID NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),

    CONSTRAINT "ssh_instance_passwords_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ssh_instance_passwords_instance_id_idx" ON "ssh_instance_passwords"("instance_id");

-- CreateIndex
CREATE UNIQUE INDEX "ssh_instance_passwords_user_id_instance_id_key" ON "ssh_instance_passwords"("user_id", "instance_id");

-- AddForeignKey
ALTER TABLE "ssh_instance_passwords" ADD CONSTRAINT "ssh_instance_passwords_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ssh_instance_passwords" ADD CONSTRAINT "ssh_instance_passwords_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "lab_instances"("id") ON DELETE CASCADE ON UPDATE CASCADE;
