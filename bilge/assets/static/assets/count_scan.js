// The count screen: scan QR labels with the phone's camera. The browser's BarcodeDetector is used
// where it exists (Chrome on Android); elsewhere the vendored jsQR decodes the camera's frames.
// A decoded code is put into the sicil box and the form is sent (htmx answers at once).
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    const form = document.getElementById("scan-form");
    if (!form) return;
    const input = document.getElementById("scan-code");
    const start = document.getElementById("camera-start");
    const stop = document.getElementById("camera-stop");
    const video = document.getElementById("camera-video");
    const canvas = document.getElementById("camera-canvas");
    const status = document.getElementById("camera-status");
    let stream = null;
    let detector = null;
    let last = "";
    let lastAt = 0;

    function send() {
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }

    // After each answer the box is emptied and ready for the next code.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "count-panel") {
        input.value = "";
        if (!stream) input.focus();
      }
    });

    // Opened from a label's QR (…?code=…): count it at once.
    if (form.dataset.autosubmit && input.value) {
      window.setTimeout(send, 50);
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", window.location.pathname);
    }

    function found(code) {
      const now = Date.now();
      if (code === last && now - lastAt < 3000) return; // the same label still in front of the camera
      last = code;
      lastAt = now;
      input.value = code;
      if (navigator.vibrate) navigator.vibrate(80);
      send();
    }

    async function decode() {
      if (!stream) return;
      if (video.readyState >= 2) {
        try {
          if (detector) {
            const codes = await detector.detect(video);
            if (codes.length) found(codes[0].rawValue);
          } else if (window.jsQR) {
            const w = video.videoWidth;
            const h = video.videoHeight;
            const scale = Math.min(1, 640 / Math.max(w, h));
            canvas.width = Math.round(w * scale);
            canvas.height = Math.round(h * scale);
            const ctx = canvas.getContext("2d", { willReadFrequently: true });
            ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
            const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
            const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
            if (code && code.data) found(code.data);
          }
        } catch (err) {
          status.textContent = String(err);
        }
      }
      window.setTimeout(decode, 200);
    }

    async function begin() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        status.textContent = start.dataset.noCamera || "—";
        return;
      }
      if ("BarcodeDetector" in window) {
        try {
          const formats = await window.BarcodeDetector.getSupportedFormats();
          if (formats.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        } catch (err) {
          detector = null;
        }
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      } catch (err) {
        status.textContent = String(err.message || err);
        return;
      }
      video.srcObject = stream;
      video.classList.remove("d-none");
      stop.classList.remove("d-none");
      start.classList.add("d-none");
      await video.play();
      status.textContent = detector ? "BarcodeDetector" : "jsQR";
      decode();
    }

    function end() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.classList.add("d-none");
      stop.classList.add("d-none");
      start.classList.remove("d-none");
      status.textContent = "";
    }

    start.addEventListener("click", begin);
    stop.addEventListener("click", end);
    window.addEventListener("pagehide", end);
  });
})();
