/**
 * Who may do what in the console: the ONE role × action table (issue 12, ADR operator-auth). The guard
 * (http/guard.ts) refuses a console route whose `config.action` the signed-in operator's role lacks, before the route
 * runs; a route under /console/api/ registered without an action is refused at start-up (fail closed). Later pages
 * register their routes with an action from this table and need nothing else. The README's table is this one.
 */
export const ROLES = ['admin', 'operator', 'support'] as const;
export type Role = (typeof ROLES)[number];

/** Every console action, with what it means (the README's rows, in this order). */
export const ACTIONS = {
  view: 'view kiosks, parcels, problems and alarms',
  'parcel.resend': 'resend a pickup code (a new code)',
  'parcel.extend': 'extend a pickup window',
  'parcel.cancel': 'cancel a parcel',
  'parcel.return': 'mark a parcel for return to sender',
  'problem.handle': 'acknowledge and resolve problems and alarms',
  'compartment.service': 'take a compartment out of service or back',
  'door.open': 'open a door remotely',
  'badge.issue': 'issue a driver badge',
  'badge.issue.technician': "issue a technician badge (the kiosk's service menu: every door)",
  'badge.revoke': 'revoke a badge',
  'enrollment.create': 'create an enrollment token',
  'kiosk.replace': 'replace a kiosk PC (a re-enrollment token: same kiosk, new secret, new codes)',
  'audit.view': 'read the operator audit log',
  'operators.manage': 'manage operators (create, role, disable, sign out)',
  'password.change': 'change my own password (the current one first; my other sessions end)',
  'password.reset': "reset another operator's password (a generated one, shown once; their sessions end; ADR password-reset)",
  'carrier-keys.manage': 'manage carrier API keys',
  'alerts.manage': 'configure alert rules and read alert deliveries',
  'personal.erase': "erase one recipient's personal data on request (ADR personal-data)",
} as const;
export type Action = keyof typeof ACTIONS;

const ALL = Object.keys(ACTIONS) as Action[];
// A technician badge opens every door of every kiosk for as long as it is valid (up to 366 days), so it is an admin's
// to issue, like a remote door opening (red-team 12 finding 4); operators issue drivers' badges.
const ADMIN_ONLY: readonly Action[] = ['door.open', 'badge.issue.technician', 'kiosk.replace', 'operators.manage', 'password.reset', 'carrier-keys.manage', 'alerts.manage', 'personal.erase'];

/**
 * The table. Support helps customers (see, resend, extend, acknowledge); it changes no hardware and no one else's
 * credentials. Everyone may change their own password: it proves the current one first.
 */
export const ROLE_ACTIONS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  admin: new Set(ALL),
  operator: new Set(ALL.filter((a) => !ADMIN_ONLY.includes(a))),
  support: new Set<Action>(['view', 'parcel.resend', 'parcel.extend', 'problem.handle', 'password.change']),
};

/** May `role` do `action`? The only place the answer is decided. */
export function may(role: Role, action: Action): boolean {
  return ROLE_ACTIONS[role].has(action);
}

export function isAction(a: unknown): a is Action {
  return typeof a === 'string' && Object.hasOwn(ACTIONS, a);
}
