import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installKioskHygiene } from './ui/hygiene';
import './ui/styles.css';
import './ui/keypad-screen.css';
import './ui/short-landscape.css';

installKioskHygiene(window);
const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
