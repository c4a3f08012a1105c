// Console behaviour: confirmations, repeatable rows, upload size check, mobile menu.
// Everything still works without JavaScript except adding new rows to a procedure.
(function () {
  "use strict";
  var newRows = 0;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    form.removeAttribute("data-dirty");
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var add = target.closest("[data-add-row]");
    if (add) {
      var relation = add.getAttribute("data-add-row");
      var template = document.getElementById("tpl-" + relation);
      var rows = document.getElementById("rows-" + relation);
      if (template && rows) {
        newRows += 1;  // new rows get indexes after every existing one, in the order added
        var html = template.innerHTML.split("__i__").join(String(100000 + newRows));
        rows.insertAdjacentHTML("beforeend", html);
        var inputs = rows.lastElementChild ? rows.lastElementChild.querySelectorAll("input:not([type=hidden]), textarea") : [];
        if (inputs.length) inputs[0].focus();
        markDirty(add);
      }
      return;
    }
    var remove = target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-row]");
      if (row) {
        markDirty(row);
        row.remove();
      }
      return;
    }
    if (target.closest("[data-back]")) {
      window.history.back();
      return;
    }
    var toggle = target.closest("[data-menu-toggle]");
    if (toggle) {
      var nav = document.getElementById("main-nav");
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  function markDirty(element) {
    var form = element.closest("form[data-dirty-guard]");
    if (form) form.setAttribute("data-dirty", "1");
  }

  document.addEventListener("input", function (event) {
    if (event.target instanceof Element) markDirty(event.target);
  });

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-dirty]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var limit = Number(input.getAttribute("data-max-bytes") || 0);
    var form = input.closest("form");
    var message = form ? form.querySelector("[data-upload-error]") : null;
    var file = input.files && input.files[0];
    var tooBig = limit && file && file.size > limit;
    if (message) {
      message.hidden = !tooBig;
      message.textContent = tooBig ? "Tệp quá lớn: tối đa " + Math.round(limit / 1048576) + " MB. Hãy chia nhỏ tệp rồi nhập từng phần." : "";
    }
    input.setCustomValidity(tooBig ? "Tệp quá lớn" : "");
  });
})();
