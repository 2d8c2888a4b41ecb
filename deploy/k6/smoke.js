// k6 smoke load against the compose stack (docker compose --profile load run k6).
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://nginx:8080';

export const options = {
  scenarios: {
    smoke: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '30s', preAllocatedVUs: 20 },
  },
  thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(95)<200'] },
};

export default function () {
  const res = http.get(`${BASE}/readyz`);
  check(res, { 'ready 200': (r) => r.status === 200 });
}
