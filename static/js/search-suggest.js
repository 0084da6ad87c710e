// Suggestions for the header's search box as the shopper types: product names from the suggest endpoint,
// offered through the box's <datalist>. Without this script the box is a plain search form.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("search-suggestions");
  if (!input || !list || !window.fetch) { return; }
  var url = input.getAttribute("data-suggest-url");
  var timer = null;
  var asked = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var typed = input.value.trim();
      if (typed.length < 3 || typed === asked) { return; }
      asked = typed;
      fetch(url + "?q=" + encodeURIComponent(typed), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (typed !== asked) { return; }
          list.replaceChildren.apply(list, data.suggestions.map(function (name) {
            var option = document.createElement("option");
            option.value = name;
            return option;
          }));
        })
        .catch(function () { /* no suggestions: the form still searches */ });
    }, 150);
  });
}());
