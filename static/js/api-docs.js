// Render the OpenAPI document with Redoc (served from our static files) inside the page's main column.
// The theme's colours are darker than Redoc's defaults so that every text meets WCAG AA contrast (axe).
(function () {
  "use strict";
  var element = document.getElementById("api-reference");
  if (!element || !window.Redoc) { return; }
  window.Redoc.init(element.getAttribute("data-spec-url"), {
    expandResponses: "200,201", scrollYOffset: 0,
    theme: {
      colors: {
        primary: { main: "#1f4e8c" },
        success: { main: "#1b6324" },
        warning: { main: "#7a4a00" },
        error: { main: "#a4161a" },
        text: { primary: "#1f1f1f", secondary: "#4a4a4a" },
        // tabTextColor: the status tabs of the dark right-hand panel need light text.
        responses: {
          success: { color: "#1b6324", backgroundColor: "#e8f3ea", tabTextColor: "#b9f0c0" },
          error: { color: "#a4161a", backgroundColor: "#fbeaea", tabTextColor: "#ffc9c9" },
          redirect: { color: "#7a4a00", backgroundColor: "#fdf1df", tabTextColor: "#ffe0a8" },
          info: { color: "#1f4e8c", backgroundColor: "#e8eef7", tabTextColor: "#cfe0ff" }
        }
      },
      typography: { fontFamily: "inherit", headings: { fontFamily: "inherit" },
                    code: { color: "#6b1d1d", backgroundColor: "rgba(0, 0, 0, 0.04)" } }
    }
  }, element);
})();
