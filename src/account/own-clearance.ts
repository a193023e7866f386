// The owner's own clearance named in a path (`:clearanceId`): another owner's is as unknown as a missing one.
import type { Context } from 'koa';
import { NotFound } from '../errors.ts';
import type { Clearance, ClearancesRepository } from '../storage/clearances.ts';

export async function ownClearance(
  ctx: Context,
  clearances: ClearancesRepository,
  accountId: string,
): Promise<Clearance> {
  const clearance = await clearances.find(ctx.params.clearanceId as string);
  if (!clearance || clearance.accountId !== accountId) throw new NotFound();
  return clearance;
}
