// Copy buttons: <button data-copy="ID" data-copied="…" hidden> copies the value (or the text) of the element with that
// id. Without JavaScript, or without the clipboard API, the buttons stay hidden and the value is selectable text.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const text = 'value' in source ? source.value : source.textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = button.dataset.copied;
      setTimeout(() => { button.textContent = label; }, 2000);
    } catch {
      // Clipboard refused (permissions): select it, so Ctrl+C copies it.
      if (source.select) source.select();
    }
  });
}
