/* Upload progress for /supply (issue 15). Served by the portal itself (no CDN); the only script the
   portal has, allowed on /supply alone (Content-Security-Policy script-src 'self'). Without it the
   form posts as usual. The file is sent in one request: this shows progress, it does not resume. */
(function () {
  "use strict";
  var form = document.getElementById("supply-form");
  var bar = document.getElementById("progress");
  var note = document.getElementById("progress-text");
  if (!form || !bar || !note || !window.XMLHttpRequest || !window.FormData) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    note.hidden = false;
    button.disabled = true;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.max = e.total;
        bar.value = e.loaded;
        note.textContent = Math.floor(100 * e.loaded / e.total) + "% sent (" +
          Math.round(e.loaded / 1048576) + " of " + Math.round(e.total / 1048576) + " MB)";
      }
    };
    xhr.onload = function () {
      if (xhr.status === 200 && /\/supply\/[0-9a-f]{24}$/.test(xhr.responseURL || "")) {
        window.location.assign(xhr.responseURL);   /* the result page */
        return;
      }
      document.open();                               /* a refusal or a form error: show the portal's page */
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      button.disabled = false;
      note.textContent = "The upload was interrupted; nothing was kept. Please try again.";
    };
    xhr.send(new FormData(form));
  });
}());
