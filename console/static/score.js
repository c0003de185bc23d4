// Saves a judge's points as they go (console/entries.go): each changed
// field posts the whole form in the background, the server checking every
// criterion against its maximum; the button still works without script.
(function () {
  var form = document.getElementById('score');
  if (!form || !document.getElementById('save')) return;
  var status = document.getElementById('autosave');
  function say(t, bad) { status.textContent = t; status.className = bad ? 'error' : 'hint'; }
  async function save() {
    say('Đang lưu…');
    try {
      var res = await fetch(form.action, { method: 'POST', credentials: 'same-origin', body: new URLSearchParams(new FormData(form)) });
      var page = new DOMParser().parseFromString(await res.text(), 'text/html');
      if (res.ok) {
        var sheet = page.getElementById('sheet');
        if (sheet) document.getElementById('sheet').textContent = sheet.textContent;
        say('Đã lưu lúc ' + new Date().toLocaleTimeString('vi-VN') + '.');
        return;
      }
      var p = page.getElementById('problem') || page.querySelector('.error');
      say(p ? p.textContent : 'Chưa lưu được (lỗi ' + res.status + ').', true);
    } catch (e) {
      say('Mất kết nối: điểm chưa được lưu. Vui lòng thử lại.', true);
    }
  }
  form.addEventListener('change', function (ev) {
    // Only a filled number field or the comment: an empty field is kept.
    if (ev.target.matches('input[name^=p]') && ev.target.value.trim() === '') return;
    save();
  });
})();
