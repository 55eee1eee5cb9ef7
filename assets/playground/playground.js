// The playground: GraphiQL with a token field. The token is kept in this browser's session storage and sent as
// `Authorization: Bearer <token>` (and in `connection_init` for subscriptions); signing in through the "Sign in"
// tab fills it in by itself.
(function () {
  'use strict';
  var input = document.getElementById('token');
  var who = document.getElementById('who');
  input.value = sessionStorage.getItem('petition-token') || '';

  // The header says who the token belongs to, as the server knows it.
  function showWho() {
    var token = input.value;
    if (!token) { who.textContent = 'not signed in'; return; }
    who.textContent = 'checking the token…';
    fetch(window.location.origin + '/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
      body: JSON.stringify({ query: '{ me { username roles } }' })
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (input.value !== token) { return; }
      var me = body && body.data && body.data.me;
      who.textContent = me ? 'signed in as ' + me.username + ' (' + me.roles.join(', ') + ')'
        : 'token refused: ' + ((body.errors && body.errors[0] && body.errors[0].message) || 'unknown');
    }).catch(function () { if (input.value === token) { who.textContent = 'cannot reach the server'; } });
  }

  function setToken(token) {
    input.value = token || '';
    sessionStorage.setItem('petition-token', input.value);
    showWho();
  }
  input.addEventListener('input', function () { setToken(input.value.trim()); });
  document.getElementById('clear-token').addEventListener('click', function () { setToken(''); });
  setToken(input.value);

  // Plain fetches (no incremental delivery, which the server does not offer): each answer is one promise, whose
  // sign-in token the fetcher below can take.
  var base = GraphiQL.createFetcher({ url: window.location.origin + '/graphql', enableIncrementalDelivery: false });

  // Subscriptions go over a WebSocket of the same origin (graphql-transport-ws), with the token in
  // connection_init; GraphiQL shows each event as it arrives.
  function isSubscription(query) {
    return /(^|})\s*subscription\b/.test((query || '').replace(/#[^\n]*/g, ''));
  }

  function subscribe(params) {
    var queue = [], waiting = null, done = false;
    var ws = new WebSocket(window.location.origin.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    function settle(result) { var w = waiting; waiting = null; if (w) { w(result); } else if (!result.done) { queue.push(result.value); } }
    function push(value) { settle({ value: value, done: false }); }
    function finish() { done = true; settle({ value: undefined, done: true }); }
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer ' + input.value } }));
    };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: params }));
      } else if (msg.type === 'next') {
        push(msg.payload);
      } else if (msg.type === 'error') {
        push({ errors: msg.payload }); finish(); ws.close();
      } else if (msg.type === 'complete') {
        finish(); ws.close();
      } else if (msg.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      }
    };
    ws.onclose = function (e) {
      if (!done) {
        if (e.code >= 4000) { push({ errors: [{ message: e.reason || 'the server refused the connection' }] }); }
        finish();
      }
    };
    var iterator = {
      next: function () {
        if (queue.length) { return Promise.resolve({ value: queue.shift(), done: false }); }
        if (done) { return Promise.resolve({ value: undefined, done: true }); }
        return new Promise(function (resolve) { waiting = resolve; });
      },
      'return': function () { done = true; ws.close(); return Promise.resolve({ value: undefined, done: true }); }
    };
    iterator[Symbol.asyncIterator] = function () { return iterator; };
    return iterator;
  }

  function fetcher(params, opts) {
    if (isSubscription(params.query)) { return subscribe(params); }
    var headers = Object.assign({}, (opts && opts.headers) || {});
    if (input.value && !headers.Authorization && !headers.authorization) {
      headers.Authorization = 'Bearer ' + input.value;
    }
    var result = base(params, Object.assign({}, opts || {}, { headers: headers }));
    if (result && typeof result.then === 'function') {
      return result.then(function (res) {
        // Sign-in answers carry a new access token: use it from now on.
        var data = res && res.data;
        if (data) {
          ['login', 'refreshToken', 'registerPetitioner', 'changePassword'].forEach(function (f) {
            if (data[f] && data[f].accessToken) { setToken(data[f].accessToken); }
          });
        }
        return res;
      });
    }
    return result;
  }

  var tabs = [
    { query: '# Sign in as a demo account (password: demo-password).\n# The access token goes into the field above by itself.\nmutation SignIn {\n  login(username: "demo.clerk", password: "demo-password") {\n    accessToken\n    refreshToken\n    account { username roles }\n  }\n}\n' },
    { query: '# Who am I?\nquery WhoAmI {\n  me {\n    username\n    displayName\n    roles\n    unit { name kind }\n    jurisdiction { code name }\n  }\n}\n' },
    { query: '# The cases I may see, newest first.\nquery MyCases {\n  cases(first: 10) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    nodes {\n      reference\n      status\n      title\n      receivedAt\n      jurisdiction { name }\n      currentUnit { name }\n    }\n  }\n}\n' },
    { query: '# The lifecycle (README: one case, start to finish). Sign in as demo.petitioner, submit, then sign in as\n# demo.clerk and route it (routeCase), as the unit accept and answer it, and as the petitioner evaluate it.\nmutation Lifecycle {\n  submitPetition(input: {\n    jurisdictionCode: "510502"\n    title: "小区电梯长期停运"\n    content: "小区3号楼电梯停运两个月，物业不予维修，请求督促处理。"\n    idempotencyKey: "playground-1"\n  }) {\n    reference\n    queryCode\n    case { id status nextDueAt }\n  }\n}\n' },
    { query: '# Oversight (sign in as demo.committee): overdue cases across the province, with their handling unit\n# (issue a supervision notice to it with issueSupervisionNotice), and the notices that await an answer.\nquery Oversight {\n  cases(first: 20, filter: {overdue: true}) {\n    totalCount\n    nodes { id reference title nextDueAt jurisdiction { name } currentUnit { id name } }\n  }\n  supervisionNotices(first: 20, filter: {overdue: true}) {\n    nodes { id status responseDueAt targetUnit { name } }\n  }\n}\n' },
    { query: '# Live: every change of the cases of 江阳区, as it happens (sign in as staff first).\nsubscription LiveCaseEvents {\n  caseEvents(jurisdictionCode: "510502") {\n    event { kind occurredAt }\n    case { reference status }\n  }\n}\n' },
    { query: '# Portal figures of 四川省 and each of its cities for a year.\nquery PortalFigures {\n  jurisdiction(code: "510000") {\n    name\n    stats(from: "2024-01-01", to: "2024-12-31") {\n      received\n      timelyAcceptance { numerator denominator rate }\n      onTimeAnswer { numerator denominator rate }\n    }\n    children {\n      name\n      stats(from: "2024-01-01", to: "2024-12-31") { received onTimeAnswer { rate } backlog { numerator denominator } }\n    }\n  }\n}\n' },
    { query: '# The administrative tree under 四川省 and its units.\nquery Jurisdictions {\n  jurisdiction(code: "510000") {\n    name\n    children {\n      code\n      name\n      children { code name }\n    }\n    units { name kind }\n  }\n}\n' }
  ];

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultTabs: tabs,
    defaultEditorToolsVisibility: false,
    shouldPersistHeaders: false
  }));
})();
