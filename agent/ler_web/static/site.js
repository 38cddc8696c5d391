// After htmx replaces the page's main part, move focus to its first message or heading, so a
// screen reader reads what changed and keyboard users continue from there. A region that updates
// itself (polling, an aria-live region) is read out by the screen reader as it changes, and never
// takes the focus from wherever the person is.
function updatesItself(element) {
  if (!element) { return false; }
  var trigger = element.getAttribute && element.getAttribute("hx-trigger");
  return (trigger && trigger.indexOf("every ") !== -1) ||
    Boolean(element.closest && element.closest("[aria-live]"));
}

document.addEventListener("htmx:afterSettle", function (event) {
  var detail = event.detail || {};
  var config = detail.requestConfig || {};
  if (updatesItself(config.elt) || updatesItself(detail.elt) || updatesItself(detail.target)) {
    return;
  }
  var main = document.getElementById("main");
  if (!main) { return; }
  var target = main.querySelector("[data-focus]") || main.querySelector("h1");
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
