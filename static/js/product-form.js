// The staff product form, with JavaScript: a new product's slug follows its name until staff type their own
// (the server makes the same slug from the name when the field is left empty), and a chosen image is shown
// before it is uploaded.
(function () {
  "use strict";
  var form = document.getElementById("product-form");
  if (!form) { return; }
  var name = form.querySelector("#id_name");
  var slug = form.querySelector("#id_slug");
  if (name && slug && form.hasAttribute("data-slug-from-name")) {
    var typed = slug.value !== "";
    slug.addEventListener("input", function () { typed = slug.value !== ""; });
    name.addEventListener("input", function () {
      if (typed) { return; }
      slug.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9\s-]/g, "").trim().replace(/[\s_-]+/g, "-").slice(0, 120).replace(/^-+|-+$/g, "");
    });
  }
  var image = form.querySelector("input[type=file]");
  var preview = document.getElementById("image-preview");
  if (image && preview && window.URL && URL.createObjectURL) {
    image.addEventListener("change", function () {
      var file = image.files && image.files[0];
      if (!file) { preview.hidden = true; return; }
      var img = preview.querySelector("img") || preview.appendChild(document.createElement("img"));
      img.alt = "The chosen picture, before it is uploaded";
      img.src = URL.createObjectURL(file);
      preview.hidden = false;
    });
  }
}());
