/** Buttons of the post-incident phase (in the report reply, follow-up replies and reminders). */
export const POSTMORTEM_ACTIONS = {
  edit: 'incident_postmortem_edit',
  addFollowup: 'incident_followup_add',
  closeFollowup: 'incident_followup_close',
} as const;
