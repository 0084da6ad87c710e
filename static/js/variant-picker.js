// The product page's option picker, with JavaScript: choosing a value switches price, stock, SKU and image in
// place and puts the variant's ?sku= in the address bar. Without it the picker is a plain GET form (the server
// redirects the choice to the variant's URL), so this file only improves what already works.
(function () {
  "use strict";
  var data = document.getElementById("variant-data");
  var picker = document.getElementById("variant-picker");
  if (!data || !picker) { return; }
  var variants = JSON.parse(data.textContent);
  var selects = Array.prototype.slice.call(picker.querySelectorAll("select"));
  var button = picker.querySelector("[data-no-js]");
  if (button) { button.hidden = true; }

  function chosen() {
    var values = selects.map(function (select) { return select.value; });
    return variants.filter(function (variant) {
      return variant.values.every(function (value, index) { return value === values[index]; });
    })[0];
  }

  function show() {
    var variant = chosen();
    var price = document.getElementById("variant-price");
    var stock = document.getElementById("variant-stock");
    var sku = document.getElementById("variant-sku");
    var form = document.getElementById("add-to-cart");
    var photo = document.getElementById("product-photo");
    if (!variant) {
      stock.textContent = stock.getAttribute("data-unavailable") || "—";
      stock.className = "stock stock-sold_out";
      form.hidden = true;
      return;
    }
    price.textContent = variant.price;
    stock.textContent = variant.stock_text;
    stock.className = "stock stock-" + variant.state;
    sku.textContent = variant.sku || "—";
    form.hidden = !variant.available;
    document.getElementById("variant-id").value = variant.id;
    var quantity = document.getElementById("quantity");
    quantity.max = Math.max(variant.max, 1);
    if (Number(quantity.value) > variant.max) { quantity.value = Math.max(variant.max, 1); }
    if (photo && variant.image) {
      photo.srcset = variant.srcset;
      photo.src = variant.image;
      photo.alt = photo.alt.replace(/ \(.*\)$/, "") + " (" + variant.values.join(" / ") + ")";
      var link = document.getElementById("photo-link");
      if (link) { link.href = variant.image; }
    }
    if (variant.sku && window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("sku", variant.sku);
      window.history.replaceState(null, "", url.toString());
    }
  }

  selects.forEach(function (select) { select.addEventListener("change", show); });
}());
