/* Resumable supply upload with progress for /supply (issue 15). Served by the portal itself (no
   CDN); the only script the portal has, allowed on /supply alone (CSP script-src 'self').
   The file goes in pieces (PUT /supply/resumable/<id>/piece?offset=N); after a network failure it
   asks how much arrived and carries on from there, and the upload id is remembered in this
   browser, so choosing the same file again after a reload carries on too. Without script the
   form posts the whole file as usual. */
(function () {
  "use strict";
  var form = document.getElementById("supply-form");
  var bar = document.getElementById("progress");
  var note = document.getElementById("progress-text");
  if (!form || !bar || !note || !window.fetch || !window.FormData || !window.XMLHttpRequest) { return; }
  var token = form.querySelector("input[name=csrf_token]").value;
  var button = form.querySelector("button[type=submit]");

  function show(text, isError) {
    note.hidden = false;
    note.textContent = text;
    note.className = isError ? "error" : "hint";
    if (isError) { note.setAttribute("role", "alert"); button.disabled = false; }
  }
  function progress(done, total) {
    bar.hidden = false;
    bar.max = total;
    bar.value = done;
    show(Math.floor(100 * done / total) + "% sent (" + Math.round(done / 1048576) + " of " +
         Math.round(total / 1048576) + " MB)", false);
  }
  function status(id) {
    return fetch("/supply/resumable/" + id, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : null;
    });
  }
  function start(file) {
    var fd = new FormData(form);
    fd.delete("file");
    fd.append("filename", file.name);
    fd.append("size", String(file.size));
    return fetch("/supply/resumable", {method: "POST", body: fd, credentials: "same-origin"}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.message || "The upload was refused."); }
        return body;
      });
    });
  }
  function put(id, file, offset, piece) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", "/supply/resumable/" + id + "/piece?offset=" + offset);
      xhr.setRequestHeader("X-CSRF-Token", token);
      xhr.upload.onprogress = function (e) { progress(offset + e.loaded, file.size); };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status === 200 || xhr.status === 409) { resolve(body.received); }
        else { reject(new Error(body.message || ("The portal answered " + xhr.status + "."))); }
      };
      xhr.onerror = function () { resolve(null); };          /* network: ask how much arrived */
      xhr.send(file.slice(offset, Math.min(file.size, offset + piece)));
    });
  }
  function sendFrom(id, file, received, piece, failures) {
    if (received >= file.size) {
      return fetch("/supply/resumable/" + id + "/finish", {method: "POST", credentials: "same-origin",
                   headers: {"X-CSRF-Token": token}}).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.message || "The upload could not be finished."); }
          return body.url;
        });
      });
    }
    return put(id, file, received, piece).then(function (got) {
      if (got !== null && got !== undefined) { return sendFrom(id, file, got, piece, 0); }
      if (failures >= 5) { throw new Error("The connection keeps failing. Choose the same file and press Upload again to carry on."); }
      show("Connection lost; carrying on…", false);
      return new Promise(function (r) { setTimeout(r, 1000 * (failures + 1)); }).then(function () {
        return status(id);
      }).then(function (s) {
        return sendFrom(id, file, s ? s.received : received, piece, failures + 1);
      });
    });
  }
  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]").files[0];
    if (!file) { return; }                                   /* the browser's own check speaks */
    event.preventDefault();
    button.disabled = true;
    var key = "workbench-upload:" + form.querySelector("#dataset").value + ":" + file.name + ":" + file.size + ":" + file.lastModified;
    var saved = window.localStorage ? localStorage.getItem(key) : null;
    (saved ? status(saved) : Promise.resolve(null)).then(function (s) {
      if (s) { return {upload_id: saved, received: s.received, piece_bytes: s.piece_bytes || 8388608}; }
      return start(file);
    }).then(function (up) {
      if (window.localStorage) { localStorage.setItem(key, up.upload_id); }
      progress(up.received, file.size);
      return sendFrom(up.upload_id, file, up.received, up.piece_bytes, 0);
    }).then(function (url) {
      if (window.localStorage) { localStorage.removeItem(key); }
      window.location.assign(url);
    }).catch(function (err) { show(err.message, true); });
  });
}());
