import type { FunctionComponent } from 'preact';
import type { Role } from '../api/schemas.js';
import { AnalyticsPage } from './pages/analytics.js';
import { AuditPage } from './pages/audit.js';
import { BudgetsPage } from './pages/budgets.js';
import { ConnectPage } from './pages/connect.js';
import { EndpointsPage } from './pages/endpoints.js';
import { IdpsPage } from './pages/idps.js';
import { KeysPage } from './pages/keys.js';
import { ModelsPage } from './pages/models.js';
import { MyKeysPage } from './pages/my-keys.js';
import { MyUsagePage } from './pages/my-usage.js';
import { NotificationsPage } from './pages/notifications.js';
import { PoliciesPage } from './pages/policies.js';
import { SearchProvidersPage } from './pages/search-providers.js';
import { SettingsPage } from './pages/settings.js';
import { TeamsPage } from './pages/teams.js';
import { UsersPage } from './pages/users.js';
import { adminOnly, everyone, staff } from './session.js';

export interface Route {
  path: string;
  title: string;
  section: string;
  /** Who sees it in the navigation and may open it (the API checks again). */
  roles: Role[];
  page: FunctionComponent;
}

/** Every page of the portal, in navigation order. */
export const routes: Route[] = [
  { path: '/connect', title: 'Connect', section: 'You', roles: everyone, page: ConnectPage },
  { path: '/my-keys', title: 'My keys', section: 'You', roles: everyone, page: MyKeysPage },
  { path: '/my-usage', title: 'My usage', section: 'You', roles: everyone, page: MyUsagePage },
  { path: '/analytics', title: 'Analytics', section: 'Insights', roles: everyone, page: AnalyticsPage },
  { path: '/audit', title: 'Audit log', section: 'Insights', roles: adminOnly, page: AuditPage },
  { path: '/users', title: 'Users', section: 'People and keys', roles: staff, page: UsersPage },
  { path: '/teams', title: 'Teams', section: 'People and keys', roles: staff, page: TeamsPage },
  { path: '/keys', title: 'Keys', section: 'People and keys', roles: staff, page: KeysPage },
  { path: '/budgets', title: 'Budgets', section: 'People and keys', roles: staff, page: BudgetsPage },
  { path: '/policies', title: 'Policies', section: 'People and keys', roles: staff, page: PoliciesPage },
  { path: '/endpoints', title: 'Endpoints', section: 'Gateway', roles: adminOnly, page: EndpointsPage },
  { path: '/models', title: 'Models and pricing', section: 'Gateway', roles: adminOnly, page: ModelsPage },
  { path: '/identity-providers', title: 'Identity providers', section: 'Gateway', roles: adminOnly, page: IdpsPage },
  { path: '/search-providers', title: 'Search providers', section: 'Gateway', roles: adminOnly, page: SearchProvidersPage },
  { path: '/notifications', title: 'Notifications', section: 'Gateway', roles: adminOnly, page: NotificationsPage },
  { path: '/settings', title: 'Settings', section: 'Gateway', roles: adminOnly, page: SettingsPage },
];
