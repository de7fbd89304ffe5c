import type { Deps } from '../deps.ts';
import type { RenderContext } from '../incidents/render-root.ts';
import { loadPostmortemData, postmortemFilename, renderPostmortem } from './document.ts';
import { saveDraft } from './store.ts';

/** Drafts the postmortem from what is stored now and keeps it (uploaded with the resolution's report). */
export async function draftPostmortem(
  deps: Pick<Deps, 'pool'>,
  incidentId: number,
  ctx: RenderContext,
): Promise<{ filename: string; content: string } | undefined> {
  const data = await loadPostmortemData(deps.pool, incidentId);
  if (!data) return undefined;
  const content = renderPostmortem(data, ctx);
  await saveDraft(deps.pool, incidentId, content, ctx.now);
  return { filename: postmortemFilename(incidentId), content };
}
