// The API reference page: Swagger UI (vendored in static/vendor/swagger-ui) over our own OpenAPI document.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    // "Try it out" sends calls with the token typed into Authorize; keep it for this page only.
    persistAuthorization: false,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
})();
