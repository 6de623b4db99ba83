/**
 * A public touchscreen must not let people select text, open a context menu, zoom or drag the page around:
 * each of those strands the next person on a broken-looking screen. CSS does most of it (styles.css);
 * these listeners catch what CSS cannot.
 */
export function installKioskHygiene(win: Window): () => void {
  const prevent = (e: Event): void => e.preventDefault();
  const noCtrlZoom = (e: WheelEvent): void => {
    if (e.ctrlKey) e.preventDefault();
  };
  const noMultiTouch = (e: TouchEvent): void => {
    if (e.touches.length > 1) e.preventDefault();
  };
  const opts: AddEventListenerOptions = { passive: false, capture: true };
  win.addEventListener('contextmenu', prevent, opts);
  win.addEventListener('selectstart', prevent, opts);
  win.addEventListener('dragstart', prevent, opts);
  win.addEventListener('gesturestart', prevent, opts);
  win.addEventListener('wheel', noCtrlZoom, opts);
  win.addEventListener('touchmove', noMultiTouch, opts);
  return () => {
    win.removeEventListener('contextmenu', prevent, opts);
    win.removeEventListener('selectstart', prevent, opts);
    win.removeEventListener('dragstart', prevent, opts);
    win.removeEventListener('gesturestart', prevent, opts);
    win.removeEventListener('wheel', noCtrlZoom, opts);
    win.removeEventListener('touchmove', noMultiTouch, opts);
  };
}
