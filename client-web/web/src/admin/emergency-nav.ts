// The two screens of one facility's administration side by side: "staff and
// invitations" (facility.ts) and "emergency accounts" (emergency-view.ts), as links
// at the top of both, for the people who may manage the facility's emergency
// accounts (its administrators and the system administrator; the server decides).

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import type { View } from '../app';
import { emergencyHash } from './emergency-rules';
import { emergencyText } from './emergency-messages';
import { accessText } from './access-messages';
import { alertsHash, openAlertCount, refreshOpenCount } from './alerts';
import { alertsText } from './alerts-messages';

/** Whether to offer the emergency accounts of `orgId` (the server checks again). */
export function mayManageEmergency(me: Me, orgId: string): boolean {
  return me.isSystemAdmin || (me.roles ?? []).some((g) => g.organisationId === orgId && g.role === 'facility_admin');
}

/** The tabs: which of the facility's two screens is open. */
export function facilityTabs(me: Me, orgId: string, current: 'staff' | 'emergency' | 'access' | 'alerts'): TemplateResult | typeof nothing {
  if (!mayManageEmergency(me, orgId)) return nothing;
  const m = emergencyText();
  const tab = (which: 'staff' | 'emergency' | 'access', href: string, text: string): TemplateResult =>
    html`<a class="button ${current === which ? 'primary' : 'secondary'} admin-tab" href=${href} id="admin-tab-${which}"
      aria-current=${current === which ? 'page' : nothing}>${text}</a>`;
  return html`<nav class="admin-tabs" aria-label=${m.tabsLabel}>
    ${tab('staff', `#/admin/${orgId}`, m.tabStaff)} ${tab('emergency', emergencyHash(orgId), m.tabEmergency)}
    ${tab('access', `#/admin/${orgId}/access`, accessText().tab)} ${alertsTab(orgId, current === 'alerts')}
  </nav>`;
}

/** The facility's staff screen with the tabs above it. */
export function withEmergencyTab(view: View, me: Me, orgId: string): View {
  return { title: view.title, content: () => html`${facilityTabs(me, orgId, 'staff')} ${view.content()}` };
}

/** The security alerts' tab, with the count of open ones (fetched once per facility). */
function alertsTab(orgId: string, current: boolean): TemplateResult {
  const count = openAlertCount(orgId);
  if (count === null) void refreshOpenCount(orgId);
  const m = alertsText();
  return html`<a class="button ${current ? 'primary' : 'secondary'} admin-tab" href=${alertsHash(orgId)} id="admin-tab-alerts"
    aria-current=${current ? 'page' : nothing}>${m.tab}${count !== null && count > 0
      ? html` <span class="alerts-badge" id="alerts-badge">${m.badge(count)}</span>`
      : nothing}</a>`;
}
