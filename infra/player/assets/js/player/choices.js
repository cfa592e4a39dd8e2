// A row of toggle buttons, one pressed: the quality and captions menus of the watch page.
import { element } from "../ui.js";

/**
 * Render `choices` ([{label, value, data: {name: value}}]) into `group` as buttons with
 * aria-pressed; `onChoose(value)` runs on a click. Returns `press(value)` to show a choice.
 */
export function renderChoices(group, choices, current, onChoose) {
  const buttons = choices.map(({ label, value, data = {}, ariaLabel }) => {
    const button = element("button", { type: "button", class: "button secondary",
      "aria-pressed": String(value === current), text: label });
    if (ariaLabel) button.setAttribute("aria-label", ariaLabel);
    for (const [name, text] of Object.entries(data)) button.dataset[name] = String(text);
    button.addEventListener("click", () => onChoose(value));
    button.choiceValue = value;
    return button;
  });
  group.replaceChildren(...buttons);
  return function press(value) {
    buttons.forEach((button) => button.setAttribute("aria-pressed", String(button.choiceValue === value)));
  };
}
