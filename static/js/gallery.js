// The product page's pictures, with JavaScript: a thumbnail shows its picture in the main place, and the main
// picture opens large in a dialog (Escape or Close shuts it). Without it, each is a link to the picture itself.
(function () {
  "use strict";
  var link = document.getElementById("photo-link");
  var photo = document.getElementById("product-photo");
  var box = document.getElementById("lightbox");
  if (!link || !photo) { return; }
  Array.prototype.forEach.call(document.querySelectorAll(".gallery-thumbs a"), function (thumb, index, all) {
    thumb.addEventListener("click", function (event) {
      event.preventDefault();
      photo.srcset = thumb.getAttribute("data-srcset");
      photo.src = thumb.getAttribute("href");
      photo.alt = thumb.getAttribute("data-alt");
      link.href = thumb.getAttribute("href");
      Array.prototype.forEach.call(all, function (other) { other.removeAttribute("aria-current"); });
      thumb.setAttribute("aria-current", "true");
    });
  });
  if (!box || typeof box.showModal !== "function") { return; }
  link.addEventListener("click", function (event) {
    event.preventDefault();
    var large = box.querySelector("img");
    large.src = link.href;
    large.alt = photo.alt;
    box.showModal();
  });
  box.addEventListener("click", function (event) { if (event.target === box) { box.close(); } });
}());
