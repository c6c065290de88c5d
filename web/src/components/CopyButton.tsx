/** "Copy" for a secret or command shown once: says "Copied" after a copy, until the text changes. */
import { useEffect, useState } from 'react';
import { copyText } from '../terminal/view/clipboard';

export function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => setCopied(false), [text]);
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={() =>
        void copyText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}
