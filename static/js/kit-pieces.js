// Live character counts on the kit-pieces form. The server counts again on save (campaigns/kits/social.py);
// this mirrors it: LinkedIn and Facebook count UTF-16 units, X weighs links 23, wide characters and emoji 2.
(function () {
  "use strict";

  var URL_PATTERN = /(?:https?:\/\/|www\.)[^\s<>"]+/gi;
  var TRAILING = ".,;:!?)]}'";
  var LIGHT = [[0x0000, 0x10FF], [0x2000, 0x200D], [0x2010, 0x201F], [0x2032, 0x2037]];
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

  function weight(code) {
    return LIGHT.some(function (range) { return code >= range[0] && code <= range[1]; }) ? 1 : 2;
  }

  function textWeight(text) {
    var total = 0;
    var clusters = segmenter ? Array.from(segmenter.segment(text), function (s) { return s.segment; }) : Array.from(text);
    clusters.forEach(function (cluster) {
      var codes = Array.from(cluster);  // an emoji sequence (joined, with a skin tone, a flag) weighs 2 in all
      total += codes.length > 1 ? 2 : weight(codes[0].codePointAt(0));
    });
    return total;
  }

  function xLength(text) {
    text = text.normalize("NFC");
    var total = 0;
    var position = 0;
    text.replace(URL_PATTERN, function (match, offset) {
      var url = match;
      while (url && TRAILING.indexOf(url[url.length - 1]) !== -1) { url = url.slice(0, -1); }
      total += textWeight(text.slice(position, offset)) + 23;
      position = offset + url.length;
      return match;
    });
    return total + textWeight(text.slice(position));
  }

  function count(kind, text) {
    if (kind === "x") { return xLength(text.trim()); }
    return text.replace(/\r\n/g, "\n").trim().length;  // UTF-16 code units, as LinkedIn and Facebook count
  }

  // The counter's words come from the page, in the reader's language (templates/campaigns/kit_pieces.html).
  var form = document.querySelector("[data-counter-characters]");
  var lang = document.documentElement.lang || "en";
  var words = {
    characters: form ? form.dataset.counterCharacters : "%(length)s / %(limit)s characters",
    longer: form ? form.dataset.counterLonger : " (longer than the guideline)",
    tooMany: form ? form.dataset.counterTooMany : ": %(count)s too many"
  };
  function number(value) { return value.toLocaleString(lang); }
  var fields = document.querySelectorAll("[data-count-limit]");
  Array.prototype.forEach.call(fields, function (input) {
    var output = document.getElementById(input.getAttribute("aria-describedby").split(" ")[0]);
    var limit = parseInt(input.dataset.countLimit, 10);
    var kind = input.dataset.countKind;
    function update() {
      var length = count(kind, input.value);
      var over = length > limit;
      var text = words.characters.replace("%(length)s", number(length)).replace("%(limit)s", number(limit));
      if (over) { text += kind === "chars" ? words.longer : words.tooMany.replace("%(count)s", number(length - limit)); }
      output.textContent = text;
      output.classList.toggle("counter--over", over);
    }
    input.addEventListener("input", update);
    update();
  });
}());

// Pictures: the chosen picture's thumbnail follows its menu; a click on a picture sets its focal point.
(function () {
  "use strict";

  Array.prototype.forEach.call(document.querySelectorAll("[data-picture-preview]"), function (preview) {
    var select = document.getElementById(preview.dataset.picturePreview);
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      preview.textContent = "";
      if (option.dataset.thumb) {
        var image = document.createElement("img");
        image.src = option.dataset.thumb;
        image.alt = "";
        preview.appendChild(image);
      } else {
        var text = document.createElement("span");
        text.textContent = option.textContent;
        preview.appendChild(text);
      }
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-focal]"), function (box) {
    var image = box.querySelector("img");
    var marker = box.querySelector(".focal__marker");
    var across = box.querySelector('input[name^="focal_x-"]');
    var down = box.querySelector('input[name^="focal_y-"]');
    function place() {
      marker.style.left = (parseFloat(across.value) || 0) + "%";
      marker.style.top = (parseFloat(down.value) || 0) + "%";
      marker.hidden = false;
    }
    place();
    image.addEventListener("click", function (event) {
      var rect = image.getBoundingClientRect();
      across.value = Math.round(((event.clientX - rect.left) / rect.width) * 100);
      down.value = Math.round(((event.clientY - rect.top) / rect.height) * 100);
      place();
    });
    across.addEventListener("input", place);
    down.addEventListener("input", place);
  });
}());
