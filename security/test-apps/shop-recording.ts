/**
 * A HAR recording of a short browser session on the shop (what DevTools →
 * "Save all as HAR" writes): the page, its script, a login, the basket, a
 * product edit by the admin, a feedback posted and deleted, a search, a review
 * posted and edited, a short link (GET /{id}, a route that matches every top-level path).
 */
export function shopHar(
  url: string,
  ids: { basket: number; feedback: number } = { basket: 1001, feedback: 9 },
): string {
  const json = (v: unknown) => ({ mimeType: 'application/json', text: JSON.stringify(v) });
  const cookie = [{ name: 'Cookie', value: 'token=eyJhbGciOiJIUzI1NiJ9.e30.x' }];
  const e = (
    method: string,
    path: string,
    mime: string,
    status: number,
    opts: { body?: unknown; auth?: boolean } = {},
  ) => ({
    startedDateTime: '2026-11-30T10:00:00.000Z',
    time: 12,
    request: {
      method,
      url: `${url}${path}`,
      httpVersion: 'HTTP/1.1',
      headers: opts.auth ? cookie : [],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: -1,
      ...(opts.body === undefined ? {} : { postData: json(opts.body) }),
    },
    response: {
      status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      headers: [],
      cookies: [],
      content: { size: 0, mimeType: mime },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 10, receive: 2 },
  });
  const entries = [
    e('GET', '/', 'text/html', 200),
    e('GET', '/main.js', 'application/javascript', 200),
    e('POST', '/rest/user/login', 'application/json', 200, { body: { email: 'admin@shop.test', password: 'x' } }),
    e('GET', '/rest/user/whoami', 'application/json', 200, { auth: true }),
    e('GET', '/api/Products', 'application/json', 200),
    e('GET', '/api/Products/1', 'application/json', 200),
    e('PUT', '/api/Products/1', 'application/json', 200, { body: { name: 'Apple Juice', price: 1.99 }, auth: true }),
    e('GET', `/rest/basket/${ids.basket}`, 'application/json', 200, { auth: true }),
    e('POST', '/api/BasketItems', 'application/json', 201, {
      body: { BasketId: ids.basket, ProductId: 1, quantity: 1 },
      auth: true,
    }),
    e('GET', '/rest/products/search?q=juice', 'application/json', 200),
    e('POST', '/api/Feedbacks', 'application/json', 201, { body: { comment: 'Great juice', rating: 5 }, auth: true }),
    e('GET', '/api/Feedbacks', 'application/json', 200),
    e('DELETE', `/api/Feedbacks/${ids.feedback}`, 'application/json', 204, { auth: true }),
    e('GET', '/rest/feedback/board', 'text/html', 200),
    e('GET', '/rest/products/1/reviews', 'application/json', 200),
    e('POST', '/rest/products/1/reviews', 'application/json', 201, { body: { message: 'Lovely' }, auth: true }),
    e('PATCH', '/rest/products/reviews', 'application/json', 200, {
      body: { id: 1, message: 'Lovely, really' },
      auth: true,
    }),
    e('GET', '/assets/logo.png', 'image/png', 200),
    e('GET', '/1001', 'text/html', 200), // a short link: the recording then holds a catch-all parameter route, GET /{id}
  ];
  return JSON.stringify({ log: { version: '1.2', creator: { name: 'rampart test', version: '1' }, entries } }, null, 1);
}
