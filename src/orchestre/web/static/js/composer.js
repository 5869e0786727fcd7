// The composer's Alpine component: per-channel texts, thread parts, adaptations with undo.
// Counting and rules live on the server (htmx posts the form to /compose/live after each
// pause in typing); this file never measures a text.
(function () {
  "use strict";

  function component(state) {
    return Object.assign(
      {
        threads: {},
        comments: {},
        links: {},
        previous: {},
        busy: "",
      },
      state,
      {
        // Ask the server to measure again (htmx listens for this event on the form).
        refresh: function () {
          var form = this.$root;
          this.$nextTick(function () {
            form.dispatchEvent(new CustomEvent("compose-refresh", { bubbles: true }));
          });
        },

        snapshot: function (cid) {
          return {
            text: this.texts[cid] || "",
            comment: this.comments[cid] || "",
            link: this.links[cid] || "",
            thread: (this.threads[cid] || []).slice(),
          };
        },

        restore: function (cid, saved) {
          this.texts[cid] = saved.text;
          this.comments[cid] = saved.comment;
          this.links[cid] = saved.link;
          this.threads[cid] = saved.thread;
        },

        options: function (cid) {
          var found = {};
          var prefix = "opt-" + cid + "-";
          this.$root.querySelectorAll("[name^='" + prefix + "']").forEach(function (field) {
            if (field.value) found[field.name.slice(prefix.length)] = field.value;
          });
          return found;
        },

        adapt: function (cid, action) {
          var self = this;
          var form = this.$root;
          var campaign = form.querySelector("#campaign_id");
          var body = {
            action: action,
            channel_id: cid,
            // The variant's own text, else the base text it starts from.
            text: this.texts[cid] || this.base || "",
            first_comment: this.comments[cid] || "",
            link_url: this.links[cid] || null,
            options: this.options(cid),
          };
          if (action === "add_utm" && campaign && campaign.value) body.campaign_id = campaign.value;
          var token = form.querySelector("input[name=csrf_token]");
          this.busy = cid;
          fetch(form.dataset.adaptUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              Accept: "application/json",
              "X-CSRF-Token": token ? token.value : "",
            },
            body: JSON.stringify(body),
          })
            .then(function (response) {
              return response.json().then(function (data) {
                return { ok: response.ok, data: data };
              });
            })
            .then(function (answer) {
              self.busy = "";
              if (!answer.ok) {
                var why = (answer.data.errors || [])[0];
                // The page's own words where it knows the cause; the API's otherwise.
                var known = why && why.field === "campaign" ? form.dataset.needCampaign : "";
                self.toast(known || form.dataset.adaptFailed + " " + (why ? why.message : answer.data.detail || ""), "error");
                return;
              }
              var result = answer.data;
              if (!result.changed) return;
              self.previous[cid] = self.snapshot(cid);
              self.restore(cid, {
                text: result.text,
                comment: result.first_comment || "",
                link: result.link_url || "",
                thread: action === "split_thread" ? result.thread : self.threads[cid] || [],
              });
              self.toast(form.dataset.adaptDone, "success");
              self.refresh();
            })
            .catch(function () {
              self.busy = "";
              self.toast(document.body.dataset.offlineMessage || "Network error", "error");
            });
        },

        undo: function (cid) {
          var saved = this.previous[cid];
          if (!saved) return;
          this.restore(cid, saved);
          delete this.previous[cid];
          this.previous = Object.assign({}, this.previous);
          this.refresh();
        },

        addPart: function (cid) {
          this.threads[cid] = (this.threads[cid] || []).concat([""]);
        },

        removePart: function (cid, index) {
          this.threads[cid].splice(index, 1);
          this.refresh();
        },

        toast: function (message, kind) {
          document.dispatchEvent(new CustomEvent("toast", { detail: { message: message, kind: kind } }));
        },
      }
    );
  }

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("composer", component);
  });
})();
