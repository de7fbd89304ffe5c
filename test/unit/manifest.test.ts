import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../commands/index.ts';

interface Manifest {
  features: {
    slash_commands: Array<{ command: string; url: string; usage_hint?: string; description: string }>;
  };
  settings: {
    interactivity: { is_enabled: boolean; request_url: string };
    event_subscriptions?: { request_url: string; bot_events: string[] };
  };
  oauth_config: { scopes: { bot: string[] } };
}

describe('Slack app manifest', () => {
  const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;

  it('declares exactly the slash commands the bot registers, each at /slack/events', () => {
    const declared = manifest.features.slash_commands.map((c) => c.command).sort();
    expect(declared).toEqual(COMMANDS.map((c) => `/${c.name}`).sort());
    for (const c of manifest.features.slash_commands) {
      expect(c.url.endsWith('/slack/events')).toBe(true);
    }
  });

  it('declares the "Declare incident" message shortcut the bot handles', () => {
    const shortcuts = (manifest.features as { shortcuts?: Array<{ type: string; callback_id: string }> })
      .shortcuts;
    expect(shortcuts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'message', callback_id: 'incident_declare_message' }),
      ]),
    );
  });

  it('enables interactivity and asks for the scopes the bot uses', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'commands',
        'chat:write',
        'files:write',
        'usergroups:read',
        'channels:history',
        // On call: direct messages to the person paged, and the on-call user group kept in step.
        'im:write',
        'usergroups:write',
      ]),
    );
  });

  it('subscribes to app_mention at /slack/events (commands by mention in incident threads)', () => {
    const events = manifest.settings.event_subscriptions;
    expect(events?.bot_events).toContain('app_mention');
    expect(events?.request_url.endsWith('/slack/events')).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toContain('app_mentions:read');
  });
});
