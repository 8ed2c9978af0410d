/**
 * A confirmation that names what it will do (a modal <dialog>: focus moves into it, Escape cancels). For a
 * deletion the user types the name of what goes, as in the clouds' consoles, so a slip of the finger deletes
 * nothing.
 */
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";

export interface ConfirmProps {
  open: boolean;
  title: string;
  /** what happens, in a sentence */
  message: string;
  confirmLabel: string;
  /** when set, the confirm button is enabled only once this is typed */
  typeToConfirm?: string;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog(props: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      setTyped("");
      d.showModal();
    } else if (!props.open && d.open) d.close();
  }, [props.open]);
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm;
  return html`<dialog
    ref=${ref}
    aria-labelledby="confirm-title"
    onCancel=${(e: Event) => {
      e.preventDefault();
      props.onCancel();
    }}
  >
    <form
      method="dialog"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        if (ready) props.onConfirm();
      }}
    >
      <h2 id="confirm-title">${props.title}</h2>
      <p>${props.message}</p>
      ${
        props.typeToConfirm !== undefined
          ? html`<label for="confirm-typed">Type <strong>${props.typeToConfirm}</strong> to confirm</label>
              <input
                id="confirm-typed"
                autocomplete="off"
                spellcheck="false"
                value=${typed}
                onInput=${(e: Event) => setTyped((e.target as HTMLInputElement).value)}
              />`
          : null
      }
      <div class="actions">
        <button type="button" onClick=${props.onCancel}>Cancel</button>
        <button type="submit" class=${props.danger ? "danger" : "primary"} disabled=${!ready}>
          ${props.confirmLabel}
        </button>
      </div>
    </form>
  </dialog>`;
}
