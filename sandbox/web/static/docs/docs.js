// The API docs page (/api/docs): Swagger UI over this sandbox's own OpenAPI document. "Try it out" calls this
// sandbox (same origin). The Token scheme puts the Authorize dialog's value in the Authorization header; a bare
// API key gets the "Token " it needs.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-schema"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no badge fetched from another site
    requestInterceptor: function (request) {
      var headers = request.headers || {};
      var auth = headers.Authorization;
      if (auth && !/^token\s/i.test(auth)) {
        headers.Authorization = "Token " + auth.trim();
      }
      return request;
    },
  });
});
