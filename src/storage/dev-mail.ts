// The development mailbox's store: every mail Keyturn would have sent, newest first. Never used in production.
import type { Database } from '../db/index.ts';

export interface StoredMail {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: number;
}

export function devMailRepository(database: Database) {
  const knex = () => database.query();
  return {
    async add(mail: Omit<StoredMail, 'createdAt'>): Promise<void> {
      await knex()('dev_mail').insert({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        created_at: Date.now(),
      });
    },
    async list(limit = 100): Promise<StoredMail[]> {
      const rows = await knex()('dev_mail').orderBy('id', 'desc').limit(limit);
      return rows.map((row) => ({
        to: row.to,
        subject: row.subject,
        text: row.text,
        html: row.html,
        createdAt: Number(row.created_at),
      }));
    },
  };
}

export type DevMailRepository = ReturnType<typeof devMailRepository>;
