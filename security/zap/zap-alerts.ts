import type { Finding, Severity } from '../../reports/index.ts';

/** An alert as ZAP's /JSON/alert/view/alerts/ returns it (the fields rampart reads). */
export interface ZapAlert {
  pluginId: string;
  alertRef?: string;
  alert?: string;
  name?: string;
  risk: string;
  confidence?: string;
  url: string;
  method?: string;
  param?: string;
  attack?: string;
  evidence?: string;
  description?: string;
  solution?: string;
  cweid?: string;
  other?: string;
}

const RISK: Record<string, Severity> = { High: 'high', Medium: 'medium', Low: 'low', Informational: 'info' };

/** ZAP rule ids → OWASP API Security Top 10 (2023) category, where one fits. */
const CATEGORY: [RegExp, string][] = [
  [
    /^(40018|40019|40020|40021|40022|40024|40027|90018|40012|40014|40026|90019|90020|90021|40003|40009|90017|90029|40033|40039)$/,
    'injection',
  ],
  [
    /^(10020|10021|10035|10036|10037|10038|10040|10054|10055|10063|10098|90004|90022|10023|10027|10096|40025|10049|10015|10202)$/,
    'API8:2023',
  ],
  [/^(10105|10057|40034|40035|90026|40040)$/, 'API2:2023'],
  [/^(10062|10024|2|3)$/, 'API3:2023'],
  [/^(40042|10104|40028|40029|40032)$/, 'API9:2023'],
];

export function categoryFor(pluginId: string): string {
  return CATEGORY.find(([re]) => re.test(pluginId))?.[1] ?? 'API8:2023';
}

/** One finding per ZAP rule and URL path; ZAP's own evidence string goes into the description (ZAP keeps the HTTP messages). */
export function zapAlertsToFindings(alerts: ZapAlert[]): Finding[] {
  const out = new Map<string, Finding>();
  for (const a of alerts) {
    let path = a.url;
    try {
      path = new URL(a.url).pathname;
    } catch {
      /* keep the raw url */
    }
    const endpoint = `${a.method ?? 'GET'} ${path}`;
    const ruleId = `zap-${a.pluginId}`;
    const id = `${ruleId}:${endpoint}`;
    if (out.has(id)) continue;
    const details = [
      a.description,
      a.param ? `Parameter: ${a.param}` : '',
      a.attack ? `Attack: ${a.attack}` : '',
      a.evidence ? `Evidence: ${a.evidence}` : '',
      a.solution ? `Solution: ${a.solution}` : '',
      a.cweid && a.cweid !== '-1' ? `CWE-${a.cweid}` : '',
      a.confidence ? `Confidence: ${a.confidence}` : '',
    ]
      .filter((s) => s)
      .join('\n');
    out.set(id, {
      id,
      ruleId,
      title: a.alert ?? a.name ?? `ZAP rule ${a.pluginId}`,
      category: categoryFor(a.pluginId),
      severity: RISK[a.risk] ?? 'info',
      endpoint,
      description: details,
      evidence: { request: { method: a.method ?? 'GET', url: a.url }, response: null },
      source: 'zap',
    });
  }
  return [...out.values()];
}
