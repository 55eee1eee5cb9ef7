// The playground: GraphiQL with a token field. The token is kept in this browser's session storage and sent as
// `Authorization: Bearer <token>`; signing in through the "Sign in" tab fills it in by itself.
(function () {
  'use strict';
  var input = document.getElementById('token');
  var who = document.getElementById('who');
  input.value = sessionStorage.getItem('petition-token') || '';

  function setToken(token) {
    input.value = token || '';
    sessionStorage.setItem('petition-token', input.value);
    who.textContent = input.value ? 'token set' : 'anonymous';
  }
  input.addEventListener('input', function () { setToken(input.value.trim()); });
  document.getElementById('clear-token').addEventListener('click', function () { setToken(''); });
  setToken(input.value);

  var base = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });

  function fetcher(params, opts) {
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
    { query: '# Who am I?\n{\n  me {\n    username\n    displayName\n    roles\n    unit { name kind }\n    jurisdiction { code name }\n  }\n}\n' },
    { query: '# The cases I may see, newest first.\n{\n  cases(first: 10) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    nodes {\n      reference\n      status\n      title\n      receivedAt\n      jurisdiction { name }\n      currentUnit { name }\n    }\n  }\n}\n' },
    { query: '# The administrative tree under 四川省 and its units.\n{\n  jurisdiction(code: "510000") {\n    name\n    children {\n      code\n      name\n      children { code name }\n    }\n    units { name kind }\n  }\n}\n' }
  ];

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultTabs: tabs,
    defaultEditorToolsVisibility: false,
    shouldPersistHeaders: false
  }));
})();
