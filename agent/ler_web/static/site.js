// After htmx replaces the page's main part, move focus to its first message or heading, so a
// screen reader reads what changed and keyboard users continue from there.
document.addEventListener("htmx:afterSettle", function () {
  var main = document.getElementById("main");
  if (!main) { return; }
  var target = main.querySelector("[data-focus]") || main.querySelector("h1");
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
