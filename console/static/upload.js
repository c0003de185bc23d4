// Chunked, resumable upload of an entry file (console/upload.go): start
// (POST /console/upload) gives an id, each chunk is PUT at its offset, a
// GET tells where to resume after a dropped connection; the id is kept in
// localStorage under the file's name, size and date, so that choosing the
// same file again (even after reloading the page) resumes it.
(function () {
  var form = document.getElementById('upload');
  if (!form) return;
  var csrf = form.querySelector('input[name=csrf]').value;
  var chunk = parseInt(form.dataset.chunk, 10) || (1 << 20);
  var bar = document.getElementById('bar'), pct = document.getElementById('pct'), status = document.getElementById('status');
  var button = document.getElementById('send');
  function say(t, bad) { status.textContent = t; status.className = bad ? 'error' : 'notice'; }
  function show(off, size) {
    bar.hidden = false; bar.value = size ? Math.floor(off * 100 / size) : 0;
    pct.textContent = bar.value + '% (' + (off / 1048576).toFixed(1).replace('.', ',') + '/' + (size / 1048576).toFixed(1).replace('.', ',') + ' MB)';
  }
  function key(f) { return 'quizbot-upload:' + f.name + ':' + f.size + ':' + f.lastModified; }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function json(res) { return res.json().then(function (b) { b.status = res.status; return b; }); }

  async function offsetOf(id) {
    var b = await json(await fetch('/console/upload/' + id, { credentials: 'same-origin' }));
    if (b.status !== 200) throw new Error(b.error || 'Không tìm thấy lượt tải lên.');
    return b.offset;
  }

  async function send(id, file) {
    var off = await offsetOf(id), tries = 0;
    while (off < file.size) {
      show(off, file.size);
      try {
        var res = await fetch('/console/upload/' + id + '?offset=' + off, {
          method: 'PUT', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/octet-stream' },
          body: file.slice(off, off + chunk)
        });
        var b = await json(res);
        if (res.status === 200 || res.status === 409) { off = b.offset; tries = 0; continue; }
        throw Object.assign(new Error(b.error || 'Lỗi ' + res.status), { fatal: true });
      } catch (e) {
        if (e.fatal) throw e;
        // The connection dropped: wait, ask where the server is, go on.
        tries++;
        say('Mất kết nối, đang thử lại (lần ' + tries + ')…', true);
        await wait(Math.min(30000, 1000 * tries));
        try { off = await offsetOf(id); say(''); } catch (e2) { if (tries > 20) throw e2; }
      }
    }
    show(off, file.size);
    var fin = await json(await fetch('/console/upload/' + id + '/finish', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } }));
    if (fin.status !== 200) throw Object.assign(new Error(fin.error), { done: true });
    return fin;
  }

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var file = document.getElementById('file').files[0];
    if (!file) { say('Anh/chị chưa chọn tệp.', true); return; }
    button.disabled = true;
    say('Đang tải lên…');
    try {
      var id = localStorage.getItem(key(file));
      if (id) { try { await offsetOf(id); } catch (e) { id = null; } }
      if (!id) {
        var fd = new FormData(form);
        fd.delete('file');
        fd.set('name', file.name); fd.set('size', String(file.size));
        var b = await json(await fetch('/console/upload', { method: 'POST', credentials: 'same-origin', body: new URLSearchParams(fd) }));
        if (b.status !== 201) { say(b.error, true); button.disabled = false; return; }
        id = b.id;
        localStorage.setItem(key(file), id);
      }
      var fin = await send(id, file);
      localStorage.removeItem(key(file));
      say('✅ ' + fin.message);
    } catch (e) {
      if (e.done) localStorage.removeItem(key(file));
      say(e.message || 'Tải lên không thành công.', true);
      button.disabled = false;
    }
  });
})();
