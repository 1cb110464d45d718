// Loaded in <head> (templates/base.html), before the page is drawn: marks the
// page as having JavaScript, so static/css/site.css collapses the phone menu
// behind its button only when the button can open it. Without JavaScript the
// menu (language, log out) stays open. A file: the CSP refuses inline scripts.
document.documentElement.classList.replace("no-js", "js");
