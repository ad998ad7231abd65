import '../src/define.js';
import type { SecureVideo } from '../src/index.js';

const player = document.querySelector<SecureVideo>('#player')!;
const status = document.querySelector<HTMLOutputElement>('#status')!;
const show = () => (status.value = player.error ? `${player.status}: ${player.error.message}` : player.status);
player.addEventListener('statuschange', show);
show();
