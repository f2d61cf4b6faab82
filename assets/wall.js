/* Ops Center wall: clientside helpers (live tiles, alarm sound, connection watch, viewport). */

/* A callback answered 401 means this screen's login is gone (logged out elsewhere, the user
   disabled, the session secret changed): reload once, so the login gate shows the login form and
   brings the screen back to this page after it, instead of a page that silently stops updating. */
(function () {
  var plainFetch = window.fetch;
  window.fetch = function () {
    return plainFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && String(response.url).indexOf("/_dash-") >= 0 && !window.opsLoginGone) {
        window.opsLoginGone = true;
        window.location.reload();
      }
      return response;
    });
  };
})();

window.dash_clientside = Object.assign({}, window.dash_clientside, {
  ops: {
    /* Swap every live tile to the camera's newest frame; a tile whose camera has no frame shows
       "no picture". One request per tile at a time; a request stuck for 5 s is abandoned.
       Returns how many tiles the page holds. */
    refreshFrames: function () {
      var now = Date.now();
      var tiles = document.querySelectorAll("img[data-live]");
      tiles.forEach(function (img) {
        var since = Number(img.dataset.loadingSince || 0);
        if (since && now - since < 5000) { return; }
        img.dataset.loadingSince = String(now);
        var next = new Image();
        next.onload = function () {
          img.src = next.src;
          img.dataset.loadingSince = "";
          img.parentElement.classList.remove("live-tile--missing");
        };
        next.onerror = function () {
          img.dataset.loadingSince = "";
          img.parentElement.classList.add("live-tile--missing");
        };
        next.src = img.dataset.live + "?t=" + now;
      });
      return tiles.length;
    },

    /* Play the alarm sound (looping) while an unacknowledged alarm is shown; stop it otherwise.
       Browsers allow sound only after a click on the page: the sound button is that click, and
       it blinks while an alarm cannot be heard. Returns the sound button's class. */
    alarmSound: function (shown, clicks) {
      var audio = document.getElementById("alarm-sound");
      var triggered = (window.dash_clientside.callback_context.triggered || []).map(function (t) { return t.prop_id; });
      var alarm = shown && shown.id;
      if (!audio) { return "sound-button"; }
      if (triggered.indexOf("sound-button.n_clicks") >= 0 && clicks) { window.opsSoundEnabled = true; }
      if (!alarm) {
        audio.pause();
        audio.currentTime = 0;
        return window.opsSoundEnabled ? "sound-button sound-button--on" : "sound-button";
      }
      audio.loop = true;
      return audio.play().then(function () {
        window.opsSoundEnabled = true;
        return "sound-button sound-button--on sound-button--playing";
      }).catch(function () {
        return "sound-button sound-button--blocked";
      });
    },

    /* Mark the header "connection lost" when the server's beat stops for three refresh periods. */
    watchLink: function (tick, beat, intervalMs) {
      var triggered = (window.dash_clientside.callback_context.triggered || []).map(function (t) { return t.prop_id; });
      var now = Date.now();
      if (triggered.indexOf("server-beat.data") >= 0 || !window.opsLastBeat) { window.opsLastBeat = now; }
      var lost = now - window.opsLastBeat > 3 * (intervalMs || 1000) + 1000;
      return lost ? "link-status link-status--lost" : "link-status";
    },

    /* The viewport height, so charts size their type like the page does. */
    viewportHeight: function () {
      return window.innerHeight;
    }
  }
});
