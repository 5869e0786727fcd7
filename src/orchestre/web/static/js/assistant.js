// The composer's assistant panel (an Alpine component nested in the composer's): asks the
// assistant's JSON routes for drafts and puts them in the editor, labelled as AI drafts
// with their source and prompt. Nothing is saved until the person saves the post; the
// ids of the calls used go with the form so the post records which call drafted it.
(function () {
  "use strict";

  function panel(config) {
    return {
      api: config.api,
      text: config.text,
      status: null,
      open: false,
      brief: { topic: "", tone: "friendly", call_to_action: "", language: config.language },
      working: "",
      label: null,
      hashtags: [],
      alts: [],
      video: null,
      callIds: [],
      previousBase: null,

      init: function () {
        var self = this;
        this.call("GET", "/status").then(function (answer) {
          if (answer.ok) self.status = answer.data;
        });
      },

      call: function (method, path, body) {
        var form = this.$root.closest("form");
        var token = form ? form.querySelector("input[name=csrf_token]") : null;
        var options = {
          method: method,
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRF-Token": token ? token.value : "" },
        };
        if (body) {
          options.headers["Content-Type"] = "application/json";
          options.body = JSON.stringify(body);
        }
        return fetch(this.api + path, options).then(function (response) {
          return response.json().then(function (data) {
            return { ok: response.ok, data: data };
          });
        });
      },

      remember: function (draft) {
        if (draft.call_id && this.callIds.indexOf(draft.call_id) < 0) this.callIds.push(draft.call_id);
        this.label = {
          source: draft.source === "offline" ? this.text.offline : draft.source.replace("provider:", ""),
          prompt: draft.prompt_id,
          fellBack: draft.fell_back,
        };
      },

      failed: function (answer) {
        var why = answer.data && (answer.data.errors || [])[0];
        this.toast(this.text.failed + " " + (why ? why.message : (answer.data && answer.data.detail) || ""), "error");
      },

      run: function (name, method, path, body, done) {
        var self = this;
        this.working = name;
        return this.call(method, path, body)
          .then(function (answer) {
            self.working = "";
            if (!answer.ok) return self.failed(answer);
            done(answer.data);
          })
          .catch(function () {
            self.working = "";
            self.toast(self.text.network, "error");
          });
      },

      pillar: function () {
        var select = this.$root.closest("form").querySelector("#pillar_id");
        return select && select.value ? select.value : null;
      },

      writeCaption: function () {
        var self = this;
        if (!this.brief.topic.trim()) return this.toast(this.text.needTopic, "error");
        var body = Object.assign({}, this.brief, { pillar_id: this.pillar() });
        this.run("caption", "POST", "/writing/caption", body, function (draft) {
          self.previousBase = self.base;
          self.base = draft.text;
          self.remember(draft);
          self.toast(self.text.inserted, "success");
          self.refresh();
        });
      },

      undoCaption: function () {
        if (this.previousBase === null) return;
        this.base = this.previousBase;
        this.previousBase = null;
        this.refresh();
      },

      adaptAll: function () {
        var self = this;
        if (!this.base.trim()) return this.toast(this.text.needText, "error");
        if (!this.selected.length) return this.toast(this.text.needChannel, "error");
        var body = { text: this.base, channel_ids: this.selected, language: this.brief.language };
        this.run("adapt", "POST", "/writing/adapt", body, function (data) {
          var form = self.$root.closest("form");
          data.items.forEach(function (item) {
            self.texts[item.channel_id] = item.text;
            self.threads[item.channel_id] = item.thread;
            if (item.first_comment) self.comments[item.channel_id] = item.first_comment;
            var title = form.querySelector("[name='opt-" + item.channel_id + "-title']");
            if (title && item.title) title.value = item.title;
            self.remember(item);
          });
          self.toast(self.text.adapted, "success");
          self.refresh();
        });
      },

      suggestHashtags: function () {
        var self = this;
        if (!this.base.trim()) return this.toast(this.text.needText, "error");
        var body = { text: this.base, language: this.brief.language };
        this.run("hashtags", "POST", "/writing/hashtags", body, function (draft) {
          self.hashtags = draft.hashtags;
          self.remember(draft);
        });
      },

      addHashtag: function (tag) {
        if (this.base.toLowerCase().indexOf(tag.toLowerCase()) >= 0) return;
        this.base = this.base.replace(/\s+$/, "") + (this.base.trim() ? " " : "") + tag;
        this.refresh();
      },

      mediaIds: function () {
        var seen = [];
        this.$root.closest("form").querySelectorAll("input[name^='media-']").forEach(function (input) {
          if (input.value && seen.indexOf(input.value) < 0) seen.push(input.value);
        });
        return seen;
      },

      altTexts: function () {
        var self = this;
        var ids = this.mediaIds();
        if (!ids.length) return this.toast(this.text.needMedia, "error");
        this.alts = [];
        ids.forEach(function (id) {
          var body = { media_id: id, post_text: self.base, language: self.brief.language };
          self.run("alt", "POST", "/writing/alt-text", body, function (draft) {
            self.alts.push({ media_id: id, text: draft.text });
            self.remember(draft);
          });
        });
      },

      videoText: function () {
        var self = this;
        if (!this.base.trim()) return this.toast(this.text.needText, "error");
        var body = { text: this.base, language: this.brief.language };
        this.run("video", "POST", "/writing/video", body, function (draft) {
          self.video = { title: draft.title, description: draft.description };
          // A YouTube channel's title field takes the title at once; the rest is offered.
          self.$root.closest("form").querySelectorAll("input[name$='-title'][name^='opt-']").forEach(
            function (input) {
              if (!input.value.trim()) input.value = draft.title;
            }
          );
          self.remember(draft);
          self.refresh();
        });
      },

      copy: function (value) {
        if (navigator.clipboard) navigator.clipboard.writeText(value);
        this.toast(this.text.copied, "success");
      },
    };
  }

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("assistantPanel", panel);
  });
})();
